"""The IAM analyzer: exact policy evaluation, admin-equivalence, privilege escalation, exposure.

    parse(doc) -> Policy                      normal form + parse issues
    validate(policy, kind) -> [Issue]         against the action catalog
    analyze(policy) -> Analysis               what an identity policy grants on every resource
    exposures(policy, account, trusted)       who a resource or trust policy lets in
    evaluate(Request, identity=..., resource=..., scps=..., boundary=...) -> Decision
    report(doc, kind="auto") -> Report        all of the above as findings
"""

from wasec.iam.analysis import Analysis, analyze
from wasec.iam.catalog import Catalog, catalog
from wasec.iam.evaluate import Decision, Request, evaluate
from wasec.iam.exposure import Exposure, exposures
from wasec.iam.policy import Issue, Policy, PolicyError, parse
from wasec.iam.report import Report, report
from wasec.iam.validate import validate

__all__ = ["Analysis", "Catalog", "Decision", "Exposure", "Issue", "Policy", "PolicyError", "Report", "Request",
           "analyze", "catalog", "evaluate", "exposures", "parse", "report", "validate"]
