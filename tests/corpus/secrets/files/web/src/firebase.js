export default {
  apiKey: "AIzak4wubkn4tGNMnMiQtrZZEEHT9neFAKEhnDM",
  authDomain: "orders-fake.firebaseapp.com",
  ghRefresh: "ghr_NylYCKOFAKEZMsn1CcKLkvIWqbWOE7SOasme",
  appId: "1:123456789012:web:0f8fad5bd9cb469f"
};
