"""Everything that speaks Twenty's wire format: codecs now, the API client in a later issue."""
