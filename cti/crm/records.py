"""What the customer-records routes act on: the CSV import and export, and a customer's own
data (export and erasure), with the clock that dates an erasure."""

from __future__ import annotations

from dataclasses import dataclass

from cti.clock import Clock
from cti.crm.customer_csv import CustomerCsv
from cti.crm.erasure import CustomerData


@dataclass(frozen=True, slots=True)
class CustomerRecords:
    csv: CustomerCsv
    data: CustomerData
    clock: Clock
