"""The package types of cross-border referrals (registered with the federation's inbox)."""

from __future__ import annotations

from kujdes.network.federation.handlers import Received, handles
from kujdes.network.federation.models import PackageType


@handles(PackageType.REFERRAL, keep_sealed=True)
def referral_received(received: Received) -> None:
    from kujdes.network.crossborder.services import referral_receive

    referral_receive(received=received)


@handles(PackageType.REFERRAL_ACK)
def referral_ack_received(received: Received) -> None:
    from kujdes.network.crossborder.services import referral_ack_apply

    referral_ack_apply(received=received)


@handles(PackageType.REFERRAL_WITHDRAWAL)
def referral_withdrawal_received(received: Received) -> None:
    from kujdes.network.crossborder.services import referral_withdrawal_apply

    referral_withdrawal_apply(received=received)
