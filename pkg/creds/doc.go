// Package creds finds database passwords that are not written in a DSN: password files, AWS
// Secrets Manager secrets and RDS IAM authentication tokens. It turns a DSN with dbverify's own
// credential forms into a DSN the drivers understand and a dialect.Auth for verify.OpenOptions:
//
//	secretsmanager:NAME[?params]          the whole DSN from a secret in the RDS JSON form
//	                                       ({"engine","host","port","dbname","username","password"})
//	mysql://host:3306/db?secret=NAME       user and password from a secret ({"username","password"}:
//	                                       the RDS-managed master user secret), the rest from the URL
//	mysql://user@host:3306/db?auth=iam&tls=true
//	postgres://user@host:5432/db?auth=iam&sslmode=verify-full&sslrootcert=global-bundle.pem
//	                                       an RDS IAM authentication token for each new connection
//	aws-region=REGION                      the region of the secret or of the token, where the ARN or
//	                                       the RDS host name does not tell it
//
// These parameters are read in URL DSNs (and after secretsmanager:NAME); the drivers' native
// forms do not take them. Where the other passwords come from, and in what order, is
// dialect.Auth's to say: the DSN's, a password file's, the environment's, the option files',
// a prompt's.
package creds
