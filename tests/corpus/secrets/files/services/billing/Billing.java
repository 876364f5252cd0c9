class Billing {
  static final String URL = "postgres://billing:fakebRvz41*NNHd@db:5432/billing";
  static final String BROKER = "amqps://billing:fakesjqO5RJMa1C@mq.internal:5671/";
  static final String GH = "ghu_S5SL9zFAKEwJ9bWDVwMyMMYAYFO2I4vWaY3K";
  static final String PASSWORD = System.getenv("BILLING_DB_PASSWORD");
}
