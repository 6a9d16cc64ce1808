"""The demo municipality 西東京市 (132292), for trying Roster without real data.

Its towns, shelters and emergency sites are real
(出典：国土地理院 指定緊急避難場所・指定避難所データ).
Everyone on its register is fictional: names, birth dates, addresses, phone numbers, needs,
emergency contacts and consent histories are drawn at random from a seed, and any
resemblance to a real person is coincidence. The partner organisations, their contacts,
agreements and copies (see demo/partners.py) are invented too, and named （デモ）.
The municipality and its accounts are flagged is_demo so that the UI can say so everywhere.
"""

from .loader import DemoError, load_demo

__all__ = ["DemoError", "load_demo"]
