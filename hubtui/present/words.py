"""Small wording helpers every presenter shares."""


from ..words import counted  # noqa: F401 - the presenters' name for it
