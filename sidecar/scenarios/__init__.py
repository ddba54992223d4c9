"""Services and scenarios: the handlers of the hook map, their delayed jobs and message templates."""
