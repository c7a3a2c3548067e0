"""Small wording helpers every presenter shares."""


from ..words import counted, rolled_back, unchecked_use, users_or_why  # noqa: F401 - the presenters' names for them
