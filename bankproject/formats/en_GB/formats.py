# The bank's one way of writing a moment, on the teller pages and in the admin: the
# time zone's abbreviation (GMT or BST) says which clock it is.
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
