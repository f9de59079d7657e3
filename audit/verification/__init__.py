"""verifyledger: the books checked from the event store, in one streaming pass.

stream       the pass over Commands', Sagas' and Accounts' events, and the accounts' checks
requests     requests followed from command to saga to what Accounts did
read_models  the read models compared with what the events say
events       stored events read straight from their JSON
store        the store and the read models read as plain rows, a page per query
report       what a verification found
runs         verifications run and recorded
"""

from audit.verification.report import CHECKS, Discrepancy, Report
from audit.verification.runs import (
    LedgerVerifier,
    claim_requested_verification,
    run_requested_verifications,
    verify_and_record,
)

__all__ = [
    "CHECKS",
    "Discrepancy",
    "LedgerVerifier",
    "Report",
    "claim_requested_verification",
    "run_requested_verifications",
    "verify_and_record",
]
