export const config = {
  stripeKey: "sk_live_YZWlVIzwfdvFAKEW8G4HG0zZ",
  alerts: "https://hooks.slack.com/services/TFECBHV9P/BM2A57181FR/fsZmaHHdb2lE3mq1FAKEhKV5",
  serviceToken: "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiZmFrZS11c2VyLTkxMDgzNiIsICJpYXQiOiAxNzAwMDAwMDAwfQ.4TDUze-SXWW45lb2VshrU41_s7R4hYkQpHlegeg00J1",
  apiKey: process.env.ORDERS_API_KEY,
  stripePublishable: "pk_test_Ai4XiATO4k6lr2WFAKEBcEBg",
};
