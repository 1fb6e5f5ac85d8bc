# Someone opened SSH to the world "just for the migration".
admin_cidr = "0.0.0.0/0"
