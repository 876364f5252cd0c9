db_password = "fakePNl!9oEcLNE"
datadog_api_key = "b5125b1c760bc7c40a236056f1f4ae74"
admin_password = "REPLACE_ME"
password_length = "24"
