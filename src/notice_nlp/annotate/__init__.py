"""Annotation of normalised text: entity recognisers for SMS screening (:mod:`.entities`).

``find_entities(normalize(text))`` returns phone numbers, short codes, links, amounts, dates and
deadlines, bank accounts, payment handles, IM contacts, claimed organisations, sender tags, case
numbers and (redacted) ID numbers, each with its span in the *original* text (domain.md §5).
"""
