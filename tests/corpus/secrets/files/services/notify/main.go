package main

const (
	twilioAuthToken = "bf4d129f7170680ed4cac2adf2f95cb2"
	twilioKeySid = "SK1ac22103a76e0fdd28e2960105f68320"
	sendgridKey = "SG.z34TDUze-SFAKEXWW45lb2.shrU41_s7R4hYkQpHlegeg00JFAKE101qq1vwI3e83m"
	ghToken = "github_pat_Ioae8meqgzgZn6FAKEuST7_kIw0FAKEAMbqLw9shwVsuQRn73fEozImgsz7691CtxfPWtaeE6uLHUa9lam"
	smtpPasswordEnv = "SMTP_PASSWORD"
)
