package main

const (
	twilioAuthToken = "9d9980424aba890d74cb0ebcdfa00db8"
	twilioKeySid = "SK214b33ab16140ce9b94efc3b2b3cd54e"
	sendgridKey = "SG.Ge2HQ3Bs5FAKE9AczcN19W.UAcXYb2U_dDUiD6TCUiDKJ2CUDYpgcRPFAKEzN7mpnU"
	ghToken = "github_pat_0lFAKEDscEz0fxpXgpIO0K_2fCvgImVSdB2hmRf4Y7LndLFhZ5XBQzxZF2BFTRchDp7NsJhw6a6FAKEap2"
	smtpPasswordEnv = "SMTP_PASSWORD"
)
