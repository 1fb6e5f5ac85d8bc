"""Keys and secrets over their lifetime (SEC08-BP01, SEC02-BP05): not deleted by surprise, rotated, retired."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import timestamp, utcnow
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

SECRET = "AWS::SecretsManager::Secret"


@rule("kms-key-pending-deletion", title="Customer managed KMS keys are not scheduled for deletion", severity="critical",
      types=["AWS::KMS::Key"], area="data", category="encryption", wa=("SEC08-BP01",), scope="live", fsbp=("KMS.3",),
      why="Once a key is deleted, everything it encrypted is gone for good: volumes, snapshots, backups, secrets. A "
          "deletion scheduled by mistake, or by an attacker as ransom, must be caught inside its waiting period.",
      fix="Cancel the deletion if the key is still needed (aws kms cancel-key-deletion), and alert on ScheduleKeyDeletion.",
      tf="deletion_window_in_days = 30  # and no `terraform destroy` of keys in use",
      cfn="DeletionPolicy: Retain\nUpdateReplacePolicy: Retain")
def key_pending_deletion(r: View) -> Any:
    if r.get("KeyManager") == "AWS":
        return Skip("an AWS managed key")
    state = r.get("KeyState")
    if state in ("PendingDeletion", "PendingReplicaDeletion"):
        return Fail("KeyState", "the key is scheduled for deletion", state)
    return None


def _age(r: View, path: str) -> int | None:
    when = timestamp(r.get(path))
    return None if when is None else (utcnow() - when).days


@rule("secretsmanager-secret-unused", title="Secrets Manager secrets that nobody reads are removed", severity="medium",
      types=[SECRET], area="identity", category="hygiene", wa=("SEC02-BP05", "SEC02-BP03"), scope="live",
      fsbp=("SecretsManager.3",), options={"days": 90},
      why="A secret nobody has read in months is a credential still valid somewhere for no purpose: one more thing to "
          "leak and nothing to lose by deleting it.",
      fix="Delete the secret (with a recovery window) and revoke the credential it holds.",
      tf="# remove the aws_secretsmanager_secret and revoke the credential", cfn="# remove the AWS::SecretsManager::Secret")
def secret_unused(r: View) -> Any:
    days = int(r.options.get("days", 90))
    age = _age(r, "LastAccessedDate")
    if age is None:
        created = _age(r, "CreatedDate")
        if created is None or created < days:
            return Skip("never read yet, but recently created") if created is not None else \
                Skip("no access date was read")
        return Fail("LastAccessedDate", f"the secret has never been read in its {created} days", None)
    if age > days:
        return Fail("LastAccessedDate", f"the secret was last read {age} days ago", age)
    return None


@rule("secretsmanager-secret-rotated", title="Secrets Manager secrets were rotated recently", severity="medium",
      types=[SECRET], area="identity", category="access", wa=("SEC02-BP05",), scope="live", fsbp=("SecretsManager.4",),
      options={"days": 90},
      why="Rotation limits how long a leaked secret stays useful; a secret older than the rotation period has been "
          "valid long enough to leak.",
      fix="Turn on rotation with a Lambda rotation function (or managed rotation) and check it succeeds.",
      tf='resource "aws_secretsmanager_secret_rotation" "db" {\n  secret_id           = aws_secretsmanager_secret.db.id\n'
         '  rotation_lambda_arn = aws_lambda_function.rotate.arn\n  rotation_rules {\n    automatically_after_days = 30\n  }\n}',
      cfn="Type: AWS::SecretsManager::RotationSchedule\nProperties:\n  SecretId: !Ref DbSecret\n  RotationRules:\n"
          "    AutomaticallyAfterDays: 30")
def secret_rotated(r: View) -> Any:
    days = int(r.options.get("days", 90))
    age = _age(r, "LastRotatedDate")
    if age is None:
        age = _age(r, "CreatedDate")
        if age is None:
            return Skip("no rotation or creation date was read")
        if age > days:
            return Fail("LastRotatedDate", f"the secret was never rotated in its {age} days", None)
        return None
    if age > days:
        return Fail("LastRotatedDate", f"the secret was last rotated {age} days ago", age)
    return None

