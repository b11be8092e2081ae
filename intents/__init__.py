"""Message understanding: ``classify(text)`` reads one resident message.

Imports only the standard library and rapidfuzz; the vocabulary and the training
examples are data files in ``intents/data/`` that a property manager can read and extend.
"""

from intents.classifier import UNSURE_BELOW, classify, kind_told
from intents.labels import Classification, EmergencyKind, Intent, Place
from intents.places import parse_place

__all__ = ["UNSURE_BELOW", "Classification", "EmergencyKind", "Intent", "Place", "classify", "kind_told", "parse_place"]
