"""The garment taxonomy: Aura's one vocabulary of slots and colour families.

Vision, the outfit engine, the wardrobe API, the assistant and the web app all speak it:
a category text, however it was typed or predicted, maps to one :class:`Slot`; a colour
name maps to one colour family. ``slots`` and ``colours`` are plain lookups (no model);
:class:`Taxonomy` adds the text-embedding fallback for words the lookups do not know.
"""

from aura.taxonomy.colours import COLOUR_FAMILIES, colour_family, colour_hex, colour_words
from aura.taxonomy.resolver import SlotMatch, Taxonomy
from aura.taxonomy.slots import CORE_SLOTS, SLOTS, Slot, lexical_slot, slot_of, synonyms

__all__ = [
    "COLOUR_FAMILIES",
    "CORE_SLOTS",
    "SLOTS",
    "Slot",
    "SlotMatch",
    "Taxonomy",
    "colour_family",
    "colour_hex",
    "colour_words",
    "lexical_slot",
    "slot_of",
    "synonyms",
]
