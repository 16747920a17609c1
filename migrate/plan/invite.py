"""`plan --invite-missing`: invite the source members the target lacks.

Twenty sends invitations only for a user session (`UserAuthGuard` on `sendInvitations`;
api.md §8.2, config.md §0.3): with an API key the server answers "Forbidden resource", and the
plan says what to do instead. Invited members map only once they have accepted, so the records
that point at them stay blocking until `plan` runs again (or a fallback owner takes them).
"""

from __future__ import annotations

from migrate.errors import TwentyAPIError, TwentyAuthError, TwentyValidationError
from migrate.plan.plan import Plan
from migrate.twenty import writes
from migrate.twenty.client import TwentyClient


async def invite_missing(plan: Plan, client: TwentyClient, *, user_session: bool) -> list[str]:
    """Invite every unmapped member that has an e-mail; add what happened to the plan's warnings."""
    emails = sorted({m["email"].lower() for m in plan.members if m["via"] == "unmapped" and m["email"]})
    if not emails:
        return []
    try:
        sent = await writes.send_invitations(client, emails)
    except (TwentyAuthError, TwentyValidationError, TwentyAPIError) as exc:
        how = "with the user token given" if user_session else "with an API key (Twenty accepts invitations only from a user session)"
        plan.warnings.append(f"Could not invite {', '.join(emails)} {how}: {exc}. Invite them in Settings > Members, or set "
                             "TWENTY_TARGET_USER_TOKEN to an admin's access token and run `plan --invite-missing` again.")
        return []
    plan.warnings.append(f"Invited {', '.join(sent)}; once they accept, run `twenty-migrate plan` again to map their records to them.")
    return sent
