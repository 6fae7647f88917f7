"""MAIL_BACKEND=smtp: Flask-Mailman's SMTP backend, sending an email that was turned into its
envelope and bytes beforehand (:meth:`NotificationMessage.freeze`) as it is.

The worker freezes the next email while the SMTP server is still answering for the one
before, so the thread that talks to the server only waits for the network.
"""
import smtplib

from flask_mailman.backends.smtp import EmailBackend as MailmanSmtpBackend


class EmailBackend(MailmanSmtpBackend):
    def _send(self, email_message):
        frozen = getattr(email_message, "frozen", None)
        if frozen is None:
            return super()._send(email_message)
        try:
            self.connection.sendmail(frozen.sender, frozen.recipients, frozen.data,
                                     mail_options=self.mailman.mail_options)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
