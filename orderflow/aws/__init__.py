"""AWS adapters: client bootstrap, batched publishing, DynamoDB item helpers. The only place botocore is touched."""
