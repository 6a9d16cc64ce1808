"""The partner's phone page of safety confirmation (安否確認): their people in an operation,
still-unconfirmed first, one tap per status; reports kept on the phone while it is offline."""
