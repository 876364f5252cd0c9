export default {
  apiKey: "AIzaCbjyiHmYmBOfuT0dGSLoTLPAk9FAKEDZzmL",
  authDomain: "orders-fake.firebaseapp.com",
  ghRefresh: "ghr_7691CtxfPWtaeEFAKE6uLHUa9lamWavkJRmQ",
  appId: "1:123456789012:web:0f8fad5bd9cb469f"
};
