"""The chaos run: the real local stack under kills, faults and duplicate delivery, then full accounting."""
