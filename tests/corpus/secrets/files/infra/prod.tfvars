db_password = "fakeqY-e6-7DM!k"
datadog_api_key = "337c1ddcfd140c3d1ddf252fb15c2d9a"
admin_password = "REPLACE_ME"
password_length = "24"
