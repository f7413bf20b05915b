output "arn" {
  description = "Key ARN."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "Key id."
  value       = aws_kms_key.this.key_id
}

output "alias_name" {
  description = "The alias (with its generated suffix when alias_name_prefix was used)."
  value       = aws_kms_alias.this.name
}
