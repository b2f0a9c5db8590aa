"""Domain logic: plain async functions. Never imports fastapi, starlette or api."""
