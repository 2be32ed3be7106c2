"""Faces: the command line, the Slack app and the dashboard web server. They sit on top; nothing below imports them."""
