"""Review of visits: the queue, approve / return with a reason, and the send-back loop."""
