class DomainError(ValueError):
    """A request that breaks a rule of the domain; services raise it, APIs answer 400 with it."""
