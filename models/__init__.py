"""SQLModel tables and the pydantic schemas of each domain; nothing else."""
