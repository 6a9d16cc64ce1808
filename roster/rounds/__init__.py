"""Mailing rounds (郵送調査): choosing whom to ask, printing the forms, recording the replies."""
