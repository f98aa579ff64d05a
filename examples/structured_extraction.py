"""Structured extraction: turn free text into validated pydantic objects.

make demo                      # or: .venv/bin/python examples/structured_extraction.py
"""

from __future__ import annotations

from datetime import date

from _backend import demo_model
from pydantic import BaseModel, Field

from pydantic_ai_groq import Agent
from pydantic_ai_groq.testing import Reply, ToolCallReply


class LineItem(BaseModel):
    description: str
    quantity: int = Field(ge=1)
    unit_price: float = Field(ge=0, description='Price of one unit, in the invoice currency.')


class Invoice(BaseModel):
    """An invoice extracted from an email."""

    vendor: str
    invoice_date: date
    currency: str = Field(description='ISO 4217 code, e.g. EUR.')
    items: list[LineItem]

    @property
    def total(self) -> float:
        return sum(item.quantity * item.unit_price for item in self.items)


EMAIL = """\
Hi! Following up on our call on March 3rd 2026: Fabrikam Ltd will bill you for
3 ergonomic chairs at 240 euros each and one standing desk at 610 euros. Thanks!
"""

OFFLINE_SCRIPT = [
    Reply(
        tool_calls=[
            ToolCallReply(
                'final_result',
                {
                    'vendor': 'Fabrikam Ltd',
                    'invoice_date': '2026-03-03',
                    'currency': 'EUR',
                    'items': [
                        {'description': 'ergonomic chair', 'quantity': 3, 'unit_price': 240},
                        {'description': 'standing desk', 'quantity': 1, 'unit_price': 610},
                    ],
                },
            )
        ]
    )
]


def main() -> None:
    with demo_model(OFFLINE_SCRIPT) as model:
        agent = Agent(model, output_type=Invoice, instructions='Extract the invoice from the email.')
        result = agent.run_sync(EMAIL)
        invoice = result.output
        print(f'{invoice.vendor}, {invoice.invoice_date.isoformat()}:')
        for item in invoice.items:
            print(f'  {item.quantity} x {item.description} at {item.unit_price:.2f} {invoice.currency}')
        print(f'Total: {invoice.total:.2f} {invoice.currency}')


if __name__ == '__main__':
    main()
