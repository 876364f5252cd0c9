export const config = {
  stripeKey: "sk_live_Ed6FiZv6FAKEUO6CGp5jd7gf",
  alerts: "https://hooks.slack.com/services/T3KGKHL6A/BPX8U5TO2U6/nXLdqXuzxqEWjFAKEddc9Wmp",
  serviceToken: "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiZmFrZS11c2VyLTU5NDA1NSIsICJpYXQiOiAxNzAwMDAwMDAwfQ.P7_3kdhPUNC3EX3rE-8WW4dab0W-QmLoVzC5IIGocfm",
  apiKey: process.env.ORDERS_API_KEY,
  stripePublishable: "pk_test_EYhKRFAKE33RNASGdtH5uSYx",
};
