"""Money as the customer reads it: the one home for currency signs and price formatting.

    format_price(12.5, "GBP")                   # '£12.50'
    format_price(1234.5, "GBP", grouped=True)   # '£1,234.50'  (staff figures)
    currency_sign("EUR")                        # '€'; unknown codes give 'XYZ '

Amounts are formatted, never computed, here: prices come from the catalog, totals from the orders table.
"""
from __future__ import annotations

CURRENCY_SIGNS = {"GBP": "£", "EUR": "€", "USD": "$", "CNY": "¥", "JPY": "¥"}


def currency_sign(currency: str) -> str:
    """The sign written before an amount: '£' for GBP, the code and a space for codes without one."""
    return CURRENCY_SIGNS.get(currency, currency + " ")


def format_price(price: float, currency: str, grouped: bool = False) -> str:
    """Two decimals after the currency sign; `grouped` adds thousands separators."""
    return f"{currency_sign(currency)}{price:,.2f}" if grouped else f"{currency_sign(currency)}{price:.2f}"
