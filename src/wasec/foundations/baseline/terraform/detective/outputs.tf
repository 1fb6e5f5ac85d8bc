output "guardduty_detector_id" {
  description = "The GuardDuty detector of this region."
  value       = aws_guardduty_detector.this.id
}

output "access_analyzer_arn" {
  description = "The IAM Access Analyzer."
  value       = aws_accessanalyzer_analyzer.this.arn
}
