from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2Hasher(Argon2PasswordHasher):
    """Argon2id at minimal cost, for the test suite only (settings.TESTING)."""

    algorithm = "argon2_fast"
    time_cost = 1
    memory_cost = 64
    parallelism = 1
