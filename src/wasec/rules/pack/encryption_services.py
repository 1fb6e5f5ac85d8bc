"""Encryption of what pipelines and streams carry (SEC08-BP02, SEC09-BP02): delivery streams, build logs,
cluster traffic."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View


@rule("firehose-encrypted", title="Firehose delivery streams are encrypted at rest", severity="medium",
      types=["AWS::KinesisFirehose::DeliveryStream"], area="data", category="encryption", wa=("SEC08-BP02",),
      fsbp=("DataFirehose.1",),
      why="Records wait in the delivery stream's buffer before delivery; server-side encryption keeps them encrypted "
          "there too.",
      fix="Turn on server-side encryption (a customer managed key for sensitive data).",
      tf='server_side_encryption {\n  enabled  = true\n  key_type = "CUSTOMER_MANAGED_CMK"\n  key_arn  = aws_kms_key.stream.arn\n}',
      cfn="DeliveryStreamEncryptionConfigurationInput:\n  KeyType: CUSTOMER_MANAGED_CMK\n  KeyARN: !GetAtt StreamKey.Arn")
def firehose(r: View) -> Any:
    if r.get("DeliveryStreamType") == "KinesisStreamAsSource":
        return Skip("records stay encrypted by the source stream's own encryption")
    cfg = r.get("DeliveryStreamEncryptionConfigurationInput")
    if not isinstance(cfg, dict) or ("Enabled" in cfg and not is_true(cfg["Enabled"])) or not (
            cfg.get("KeyType") or is_true(cfg.get("Enabled", False))):
        return Fail("DeliveryStreamEncryptionConfigurationInput" if cfg is not None else "",
                    "the delivery stream is not encrypted at rest")
    return None


@rule("codebuild-s3-logs-encrypted", title="CodeBuild S3 logs are encrypted", severity="low",
      types=["AWS::CodeBuild::Project"], area="data", category="encryption", wa=("SEC08-BP02",), fsbp=("CodeBuild.3",),
      why="Build logs often print environment details, URLs and tokens a step echoed; S3 logs with encryption disabled "
          "keep them in clear.",
      fix="Do not disable encryption of S3 build logs.", tf="logs_config {\n  s3_logs {\n    encryption_disabled = false\n  }\n}",
      cfn="LogsConfig:\n  S3Logs:\n    EncryptionDisabled: false")
def codebuild_s3_logs(r: View) -> Any:
    if str(r.get("LogsConfig.S3Logs.Status", "DISABLED")).upper() != "ENABLED":
        return Skip("no S3 logs")
    if is_true(r.get("LogsConfig.S3Logs.EncryptionDisabled", False)):
        return Fail("LogsConfig.S3Logs.EncryptionDisabled", "S3 build logs are not encrypted", True)
    return None


@rule("emr-in-transit-encryption", title="EMR security configurations encrypt data in transit", severity="medium",
      types=["AWS::EMR::SecurityConfiguration"], area="data", category="encryption", wa=("SEC09-BP02",),
      fsbp=("EMR.4",),
      why="Without in-transit encryption, shuffle data, HDFS blocks and Spark traffic cross the network in clear.",
      fix="Enable in-transit encryption with TLS certificates in the security configuration.",
      tf='configuration = jsonencode({\n  EncryptionConfiguration = {\n    EnableInTransitEncryption = true\n'
         '    InTransitEncryptionConfiguration = { TLSCertificateConfiguration = { CertificateProviderType = "PEM", '
         'S3Object = "s3://certs/emr.zip" } }\n  }\n})',
      cfn="SecurityConfiguration:\n  EncryptionConfiguration:\n    EnableInTransitEncryption: true")
def emr_in_transit(r: View) -> Any:
    if not is_true(r.get("SecurityConfiguration.EncryptionConfiguration.EnableInTransitEncryption", False)):
        return Fail("SecurityConfiguration", "data in transit is not encrypted")
    return None


@rule("codebuild-report-group-encrypted", title="CodeBuild report group exports are encrypted", severity="medium",
      types=["AWS::CodeBuild::ReportGroup"], area="data", category="encryption", wa=("SEC08-BP02",),
      fsbp=("CodeBuild.7",),
      why="Test and coverage reports carry file paths, stack traces and sometimes the data tests ran on; exported to "
          "S3 with encryption disabled, they stay there in clear.",
      fix="Keep encryption on for the S3 export (with a KMS key of your own for sensitive reports).",
      tf='export_config {\n  type = "S3"\n  s3_destination {\n    bucket              = aws_s3_bucket.reports.id\n'
         '    encryption_disabled = false\n    encryption_key      = aws_kms_key.reports.arn\n  }\n}',
      cfn="ExportConfig:\n  ExportConfigType: S3\n  S3Destination:\n    Bucket: !Ref Reports\n    EncryptionDisabled: false")
def report_group(r: View) -> Any:
    if str(r.get("ExportConfig.ExportConfigType", "NO_EXPORT")).upper() != "S3":
        return Skip("reports are not exported")
    if is_true(r.get("ExportConfig.S3Destination.EncryptionDisabled", False)):
        return Fail("ExportConfig.S3Destination.EncryptionDisabled", "exported reports are not encrypted", True)
    return None
