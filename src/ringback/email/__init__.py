"""E-mail to contacts: written by an agent, sent through the SMTP relay after commit."""
