<?php
/**
 * A viewer deleted in WordPress: the sidecar counts the recording's funnel again.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The sidecar counts the recording's funnel as its store writes the autowebinar_* rows. WordPress
 * deletes a user's rows along with the user, without that store, so the funnel would go on counting
 * the viewer. Before WordPress deletes a user, the plugin notes whether the user has such rows; once
 * the user is gone it fires `whieda_user_deleted( $user_id )`, forwarded like any inbound hook
 * (contracts/hooks/whieda_user_deleted.json), and the sidecar counts the funnel again from the rows.
 */
class Whieda_User_Deletion {

	/** @var array<int, true> Users being deleted who have autowebinar_* rows, this request. */
	private $viewers = array();

	public function register() {
		add_action( 'delete_user', array( $this, 'before' ) );
		add_action( 'deleted_user', array( $this, 'after' ) );
	}

	/** @param int $user_id The user WordPress is about to delete. */
	public function before( $user_id ) {
		global $wpdb;
		$has_rows = $wpdb->get_var( $wpdb->prepare( "SELECT 1 FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key LIKE %s LIMIT 1", $user_id, $wpdb->esc_like( Whieda_Autowebinar_Meta::PREFIX ) . '%' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		if ( $has_rows ) {
			$this->viewers[ (int) $user_id ] = true;
		}
	}

	/** @param int $user_id The user WordPress has deleted, its meta with it. */
	public function after( $user_id ) {
		if ( isset( $this->viewers[ (int) $user_id ] ) ) {
			unset( $this->viewers[ (int) $user_id ] );
			do_action( 'whieda_user_deleted', (int) $user_id );
		}
	}
}
