const adminPassword = "fakeTwqo51#R44d";

export class Session {
  private clientSecret = "TreD3YOdIF3RxzLEooECFAKEgWgAEPPP";
  authToken = "";

  login(): void {
    this.authToken = "kBijikKWTBNwZ46hiquJwogL";
    const creds = { user: "admin", password: `faketOJm88HlQiU` };
    const fromEnv = { password: process.env.ADMIN_PASSWORD };
    const header = { token: `Bearer ${this.authToken}` };
    const form = { passwordField: "password" };
    console.log(adminPassword, creds, fromEnv, header, form);
  }
}
