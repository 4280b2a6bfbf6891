class DomainError(ValueError):
    """A request that breaks a rule of the domain; services raise it, APIs answer 400 with it."""


class DomainPermissionError(DomainError):
    """A rule about who may do what was broken; APIs answer 403 with it."""
