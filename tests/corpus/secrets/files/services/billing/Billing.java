class Billing {
  static final String URL = "postgres://billing:fake2xlI2tB-U4a@db:5432/billing";
  static final String BROKER = "amqps://billing:fakev6Up0Vxm*2i@mq.internal:5671/";
  static final String GH = "ghu_i3YGG4eEy8jehBLPnbzFAKEBUuwrUwC223N3";
  static final String PASSWORD = System.getenv("BILLING_DB_PASSWORD");
}
