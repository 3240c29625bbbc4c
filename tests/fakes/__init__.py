"""Local stand-ins for the services the desk calls (X, Meta's Graph API): tests never touch a real network."""
