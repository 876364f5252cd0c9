package payments

import "os"

type Config struct {
	User     string
	Password string
}

var dbPassword = "fake&Pz-6lxyxHA"
const signingSecret = "kubmLM7lX0FAKE6BT44asZWEjXb5"

func connect() Config {
	apiToken := "eCxyFpyVp6ucN3tKjNe8ymnE"
	cfg := Config{User: "payments", Password: "fakewaBb1I#okuh"}
	cfg.Password = os.Getenv("PAYMENTS_DB_PASSWORD")
	defaults := Config{Password: "changeme"}
	labels := map[string]string{"password": "Password"}
	_, _, _ = apiToken, defaults, labels
	return cfg
}
