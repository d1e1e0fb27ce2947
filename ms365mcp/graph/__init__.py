"""The Microsoft Graph client: request building, resilience middleware, paging, response shaping."""
