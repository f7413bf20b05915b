output "table_arns" {
  description = "Table ARNs keyed by logical name."
  value       = { for k, t in aws_dynamodb_table.this : k => t.arn }
}

output "table_names" {
  description = "Physical table names keyed by logical name."
  value       = { for k, t in aws_dynamodb_table.this : k => t.name }
}

output "kms_key_arn" {
  description = "KMS key encrypting every table."
  value       = module.kms.arn
}
