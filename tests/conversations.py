"""Starting a conversation in tests: one call, the recipient's own shop as the vendor."""


def start(service, sender, kind, recipient, subject="Hello", text="First message", **extra):
    return service.create_conversation(
        sender,
        conversation_type=kind,
        subject=subject,
        recipient_type=recipient.type,
        recipient_id=recipient.id,
        vendor_id=recipient.vendor_id,
        initial_message=text,
        **extra,
    )
