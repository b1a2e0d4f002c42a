"""Prints the X-Twilio-Signature that the official twilio library's RequestValidator computes.

Input (stdin): {"token": "...", "url": "...", "params": {"Name": "value", ...}}
"""
import json
import sys

from twilio.request_validator import RequestValidator

request = json.load(sys.stdin)
validator = RequestValidator(request["token"])
signature = validator.compute_signature(request["url"], request["params"])
assert validator.validate(request["url"], request["params"], signature)
print(signature)
