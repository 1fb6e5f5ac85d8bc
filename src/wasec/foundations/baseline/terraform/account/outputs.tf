output "support_role_arn" {
  description = "The role incident responders assume to open AWS Support cases."
  value       = aws_iam_role.support.arn
}
