"""Writes of the call for proposals, split by what they act on."""
