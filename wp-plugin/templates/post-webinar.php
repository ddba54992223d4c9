<?php
/**
 * The post-webinar flow: three screens without forms. Variables: $screens, $shown
 * (see Whieda_Post_Webinar::render()). assets/js/whieda-pages.js moves from one screen to the next.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

$count = count( $screens );
?>
<div class="whieda-after" data-whieda-after <?php echo $shown ? '' : 'hidden'; ?>>
	<?php foreach ( array_values( $screens ) as $i => $screen ) : ?>
		<section class="whieda-after__screen" data-step="<?php echo esc_attr( (string) ( $i + 1 ) ); ?>" tabindex="-1"
			aria-labelledby="whieda-after-<?php echo esc_attr( (string) ( $i + 1 ) ); ?>" <?php echo ( $shown && 0 === $i ) ? '' : 'hidden'; ?>>
			<p class="whieda-after__step">
				<?php
				/* translators: 1: this screen's number, 2: how many screens there are. */
				echo esc_html( sprintf( __( 'Шаг %1$d из %2$d', 'whieda-bridge' ), $i + 1, $count ) );
				?>
			</p>
			<h2 class="whieda-after__title" id="whieda-after-<?php echo esc_attr( (string) ( $i + 1 ) ); ?>"><?php echo esc_html( $screen['title'] ); ?></h2>
			<p class="whieda-after__text"><?php echo esc_html( $screen['text'] ); ?></p>
			<p class="whieda-after__actions">
				<?php foreach ( $screen['links'] as $link ) : ?>
					<a class="<?php echo esc_attr( $link['primary'] ? 'whieda-button' : 'whieda-button whieda-button--secondary' ); ?>" href="<?php echo esc_url( $link['url'] ); ?>"><?php echo esc_html( $link['label'] ); ?></a>
				<?php endforeach; ?>
				<?php if ( $i + 1 < $count ) : ?>
					<button type="button" class="whieda-button whieda-button--secondary whieda-after__next" data-next="<?php echo esc_attr( (string) ( $i + 2 ) ); ?>"><?php esc_html_e( 'Дальше', 'whieda-bridge' ); ?></button>
				<?php endif; ?>
			</p>
		</section>
	<?php endforeach; ?>
</div>
